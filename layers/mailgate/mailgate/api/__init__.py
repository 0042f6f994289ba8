"""The admin API's domain: who may do what, how errors and pages look. No boto3 here."""
