"""Machine translation between coach and newcomer: providers behind one interface, and a cache."""
