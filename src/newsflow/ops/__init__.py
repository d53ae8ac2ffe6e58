"""What an operator watches: health and readiness for a load balancer (`health`), Prometheus metrics
(`metrics`, read from the node's state by `state`), and structured logs with request ids (`logs`,
`requests`)."""
