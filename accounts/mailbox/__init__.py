"""Local mode only: pages that show what the embedded localcognito did (the mailbox)."""
