"""The coach console's services: sign-in, the queue and case views, replies, canned replies, access log."""
