"""The domain rules, as plain async functions shared by the API and the workers."""
