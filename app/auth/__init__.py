"""Users, login, logout, invitations and passwords."""
