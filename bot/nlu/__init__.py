"""Intent recognition: an embedded classifier, or a Rasa server with the embedded one as fallback."""
