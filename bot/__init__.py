"""blocbot: a chat bot that runs Vietnamese emulation blocs (khối thi đua)."""
