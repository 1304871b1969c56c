"""Analyst pages: indicator map explorer, plan comparison, SKA matrix, report download."""

from fastapi import APIRouter

__all__ = ["router"]

router = APIRouter()
