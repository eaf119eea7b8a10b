"""Where each call goes: passed through, routed to a Hugging Face server, or managed by the deployment
rules (model map, A/B experiments, fallback). One decision flow for both SDK generations; no I/O."""
