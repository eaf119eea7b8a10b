"""Settings: `patch()`'s keyword arguments and the environment, read once into one typed `Config`."""
