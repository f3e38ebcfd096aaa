"""The audit trail is not in the Django admin: auditors browse it at /audit/ (Capability.VIEW_AUDIT, cut to their
org subtree, see audit.selectors), so that master-data administrators do not read it by the back door."""
