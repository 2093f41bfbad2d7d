"""Safeguarding: recognise a disclosure (crisis, danger, violence, exploitation, harassment, a minor)
before anything else reads a newcomer's message, answer with help lines, and open an urgent case."""
