"""The store port's adapters: `sqlite` (local and tests) and `firestore` (production).

Nothing is imported here: the adapters share `records` and `vicon.timefmt`, and `vicon.wiring` picks one by URL.
"""
