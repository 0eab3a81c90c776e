"""The deployment shape on loopback (stack.py) and an HTTP client for it (client.py)."""
