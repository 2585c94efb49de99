"""iJw 3.2: the message catalogue, the hardened parser, schema validation and typed models."""
