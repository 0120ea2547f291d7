"""One boto3 Session for the tests' own clients: a new Session per client costs ~0.14 s of CPU (loading
botocore's models again), a client from a shared Session ~0.004 s."""

from __future__ import annotations

import functools

import boto3


@functools.cache
def session() -> boto3.session.Session:
    return boto3.session.Session()
