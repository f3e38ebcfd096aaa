"""Keeping the registry current (issue #12 item 5): change requests proposed by grid workers (and corrections asked
for by residents), reviewed by the community, applied on approval with history and audit. workflow.py is the state
machine, authority.py who may act from where, kinds.py what each kind carries, services/ the writes, selectors.py
the reads."""
