"""End-user views: thin wrappers that parse a form, call the sign-in pipeline or the gateway, and answer."""
