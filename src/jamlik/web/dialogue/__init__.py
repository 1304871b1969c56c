"""Resident dialogue: pins, lines and areas with a category and a comment, moderated."""

from fastapi import APIRouter

__all__ = ["router"]

router = APIRouter()
