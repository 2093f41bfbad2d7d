"""FAQ flows: YAML content that staff edit, validated with file:line errors."""
