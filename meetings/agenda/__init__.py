"""The agenda of a conference: items, their order, presenters, timing and documents."""
