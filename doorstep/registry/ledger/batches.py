"""What the ledger import's steps share: how many rows go together, and chunking of long id lists."""

BATCH = 5000  # rows checked, looked up and written together
CHUNK = 5000  # values in one IN (…) list


def chunks(items, size: int = CHUNK):
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start:start + size]


class nothing:
    """A context manager that does nothing (in place of deferred_indexes when the rows are few)."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False
