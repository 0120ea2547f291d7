"""End-user writes (DESIGN §9): keyword-only functions that do one thing a person asked for, completely.

Views parse a form, call one flow and render; flows call the gateway, keep the portal's own records in step
and raise ``accounts.cognito.errors`` exceptions for the view to explain. Model: django-allauth's
``account/internal/flows``.
"""
