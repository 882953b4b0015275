"""Micro-wishes (微心愿): residents' small wishes, reviewed by community staff, claimed, fulfilled and confirmed."""
