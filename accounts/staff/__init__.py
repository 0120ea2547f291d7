"""Staff pages inside the Django admin: find, inspect and act on Cognito users."""
