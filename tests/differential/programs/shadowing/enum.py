WHO = 'the script\'s own enum.py'
