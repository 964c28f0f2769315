"""The recipe language: load (strict YAML) -> validate (schema) -> resolve (extends, vars) -> model."""
