"""流程管理: the analysts' room — catalog, where instances wait, a draft's diff and impact, deployment."""
