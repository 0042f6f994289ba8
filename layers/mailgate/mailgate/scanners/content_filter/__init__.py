"""Content Filtering: administrators' expressions of conditions over sizes, names, true file types,
text and addresses, with named dictionaries; hostile names, archives and regular expressions bounded.

The scanner is `content_filter.scanner.ContentFilterScanner`; `content_filter.outcome.resolve` turns
its reported matches into one recipient's outcome. Nothing is imported here, so the settings
validation (`content_filter.validation`) stays light for the admin API's cold start.
"""
