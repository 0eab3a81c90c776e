"""The fund ledger of a project (资金台账): payments, their reversals, and the reconciliation (资金对账)."""
