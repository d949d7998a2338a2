"""Draft reports: versions with stable paragraphs, circulation, comments, dispositions."""
