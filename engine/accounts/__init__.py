"""People and their credentials: users, API tokens and second factors."""
