"""Retention and her rights: periods per country, legal holds, erasure, her own copy,
and finding a case another organisation already holds for her."""
