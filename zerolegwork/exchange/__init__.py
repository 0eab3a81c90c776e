"""Outbound exchange with the finance integrated system (财政一体化): pushes through a kept message log.

capture.py turns committed changes (a project's status, a budget arrangement, a payment or its reversal) into
ExchangeMessage rows in the same transaction; sender.py delivers them in order per project with an
Idempotency-Key, retrying with backoff and logging every request and answer; views.py is the exchange log
(交换日志) where an analyst reads the attempts and replays a message that failed for good.
"""
