"""Anti-spam: a statistical classifier, named rule tests, bulk recognition and DNS blocklists.

Importing this package is cheap: the model file is read on the first scan (`model.base_model`).
"""

from mailgate.scanners.antispam.scanner import AntispamScanner
from mailgate.scanners.antispam.verdict import spam_headers

__all__ = ["AntispamScanner", "spam_headers"]
