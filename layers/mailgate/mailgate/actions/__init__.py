"""What happens to a message after the decision: the rules step's service, delivery, bounces, Backup, copies,
notifications, and the last-resort hold when everything else failed."""
