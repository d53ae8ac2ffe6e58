"""The public website's face: its routes (site), the answers it keeps in memory (memory), its feeds and
sitemaps (feeds) and its templates, beside them. What it may show is newsflow.public's to say."""
