"""Print a config with its _base_ files merged and --cfg-options applied.

python tools/misc/print_config.py CONFIG [--cfg-options k=v ...]
    [--save-path resolved.py]
"""
import argparse

from mmengine.config import Config, DictAction


def parse_args():
    parser = argparse.ArgumentParser(
        description='Print the whole config, as a run would see it')
    parser.add_argument('config', help='config file path')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override config settings, e.g. train_cfg.max_epochs=10')
    parser.add_argument(
        '--save-path', help='also write it to this file (.py, .json or '
        '.yaml: the format follows the name)')
    return parser.parse_args()


def main():
    args = parse_args()
    cfg = Config.fromfile(args.config)
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    print(f'Config:\n{cfg.pretty_text}')
    if args.save_path is not None:
        cfg.dump(args.save_path)
        print(f'saved {args.save_path}')


if __name__ == '__main__':
    main()
