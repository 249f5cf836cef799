"""Storage: SQLite (sqlite3 on the loop's thread), migrations, one repository per aggregate."""
