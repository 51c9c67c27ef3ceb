"""Live event streams per user: replay, live delivery, presence."""
