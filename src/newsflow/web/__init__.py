"""HTTP faces: the v1 API and the server-rendered pages."""
