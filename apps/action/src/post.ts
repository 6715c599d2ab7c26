process.stdout.write('mesh: nothing to clean up\n');
