"""What managed calls leave behind: the JSON-lines event log, and `easyllm-shim report` over it."""
