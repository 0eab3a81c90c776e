"""Many project report PDFs at once: the batch and its items (models.py), its jobs and ZIP (services.py).

Its pages belong to the `project_reports` blueprint, in pdf/views.py, next to the one-project download.
"""
