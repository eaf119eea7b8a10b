"""The `easyllm-shim` command: demo, doctor, report and run."""
