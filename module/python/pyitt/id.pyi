"""pyitt.id: re-exports of pyitt (see pyitt/__init__.pyi)."""
from pyitt import id as id
