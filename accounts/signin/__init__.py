"""The sign-in pipeline: the pending sign-in kept in the session, one stage per Cognito challenge."""
