def canonical_url(request) -> dict:
    """The page's canonical address: scheme, host and path, without filters or paging."""
    return {"canonical_url": request.build_absolute_uri(request.path)}
