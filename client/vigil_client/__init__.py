"""Vigil member client: wallet addresses become tokens without leaving the member's machine."""
