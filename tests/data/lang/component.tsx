import React from "react";

/** Props of the greeting. */
interface Props {
	name: string;
}

/** Greets. */
export function Greeting({ name }: Props) {
	return <div className="greeting">Hello, {name}</div>;
}

export const Farewell = (props: Props) => <span>Bye {props.name}</span>;

export class Panel extends React.Component<Props> {
	render() {
		return <div>{this.props.name}</div>;
	}
}
