"""Storage: aiosqlite connection, migrations, one repository per aggregate."""
