"""The agency admin face: companies, products, users, keys, webhooks, usage and the public site's rule."""
