"""pyitt.domain: re-exports of pyitt (see pyitt/__init__.pyi)."""
from pyitt import domain as domain
