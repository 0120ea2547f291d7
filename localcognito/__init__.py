"""localcognito: an embedded, faithful local Amazon Cognito user-pool emulator built on moto."""
